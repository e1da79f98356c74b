"""NIR graph handling: metadata keys, discretisation, reading and writing."""
