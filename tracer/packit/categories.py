"""packit's categories: the published model's four, as packit's rules declare them
(``tracer/packit/rules.yaml``), and the tracer's own two.

>>> CATEGORIES
('is_project_private', 'is_user_approved', 'load_packit_yaml', 'set_status', 'auth', 'other')
"""

from tracer.capture import AUTH, OTHER
from tracer.packit.model.vector import CATEGORIES as MODEL_CATEGORIES

#: every category a packit report shows, in order: the model's, then auth and other
CATEGORIES: tuple[str, ...] = MODEL_CATEGORIES + (AUTH, OTHER)

__all__ = ["CATEGORIES", "MODEL_CATEGORIES"]
