"""Hardware limits and number formats as named data, each with its source."""
