"""Web search providers for Tinkerer's research, and the page reader they share."""
