"""pytest plugin: GitHub API call budgets (registered through the ``pytest11`` entry point)."""
