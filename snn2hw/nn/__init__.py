"""Spiking layers, neurons, architectures and losses (multi-step: inputs are ``[T, B, ...]``)."""
