"""Rules on Dockerfiles (final stage for what the image runs; every stage for what the build pulls)."""
