"""Writing a run folder without ever losing one: the target check, the swap, the leftovers.

A run is recorded into a hidden ``.NAME.partial-PID`` folder beside its target and swapped in
whole: the previous run at NAME moves to ``.NAME.old-PID``, the new one takes its name, the old
one is removed. A kill at any moment leaves NAME as a complete run (the old or the new one) or,
in the instant between the two renames, only the hidden ``.old`` folder. Hidden folders are never
read as runs (:func:`tracer.recording.manifest.find_runs` skips them), and the next recording
beside them cleans them up: a leftover ``.old`` whose NAME is missing is put back, everything
else a dead process left is removed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tracer.errors import DataError

MANIFEST = "manifest.yaml"
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)\Z")


def partial_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.partial-{os.getpid()}"


def old_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.old-{os.getpid()}"


def is_leftover(path: Path) -> bool:
    """Whether ``path`` is the hidden folder of a recording (in progress or interrupted)."""
    return bool(_LEFTOVER.match(path.name))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours: a previous recording in this process, finished or failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(parent: Path) -> list[str]:
    """Tidy what interrupted recordings left in ``parent``; returns what was done, one line each.

    A ``.NAME.old-PID`` whose NAME is gone is the only copy of a complete run: it is renamed
    back. Other leftovers of dead processes are removed; those of live ones (a recording
    running now) are left alone.
    """
    done: list[str] = []
    if not parent.is_dir():
        return done
    for path in sorted(parent.iterdir()):
        match = _LEFTOVER.match(path.name)
        if not match or not path.is_dir() or _alive(int(match["pid"])):
            continue
        target = parent / match["name"]
        if match["kind"] == "old" and not target.exists() and (path / MANIFEST).is_file():
            os.replace(path, target)
            done.append(f"restored {target} from {path.name} (a recording was killed while swapping it)")
        else:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path} (left by an interrupted recording)")
    return done


def check_target(out: Path, force: bool = False) -> None:
    """Refuse to record over anything but a run folder or an empty folder, unless ``force``."""
    if not out.name or out.name in (".", ".."):
        raise DataError(f"{out}: name a run folder of its own")
    if is_leftover(out):
        raise DataError(f"{out}: a hidden name of the form .NAME.partial-PID/.NAME.old-PID is reserved")
    if force or not (out.exists() or out.is_symlink()):
        return
    if out.is_dir() and not out.is_symlink():
        if (out / MANIFEST).is_file() or not any(out.iterdir()):
            return
        what = "a folder that is not a recorded run (no manifest.yaml)"
    else:
        what = "a file" if out.is_file() else "not a folder"
    raise DataError(f"{out}: exists and is {what}; refusing to replace it (use --force to replace it anyway)")


def swap_in(partial: Path, out: Path) -> None:
    """Put the complete run ``partial`` at ``out``; a previous one is removed only afterwards."""
    old = old_dir(out)
    if out.exists() or out.is_symlink():
        os.replace(out, old)
    os.replace(partial, out)
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)
