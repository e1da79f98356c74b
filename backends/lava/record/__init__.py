"""The recording sink (its own folder: Lava searches a process's folder for its models)."""
