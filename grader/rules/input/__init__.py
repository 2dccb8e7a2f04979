"""Rules about the inputs themselves: files the engine cannot use, empty files."""
