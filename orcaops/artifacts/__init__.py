"""Files a run leaves behind (reports, coverage, binaries): collected, stored, listed."""
