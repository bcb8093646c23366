"""Exit codes of every ``nghedan`` sub-command: 0 done, 1 the environment failed (database…), 2 bad input."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
