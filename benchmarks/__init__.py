"""Benchmarks of snn2hw. Each module has ``main()`` and appends its figures to RESULTS.md
through :func:`benchmarks.results.record`. ``python -m benchmarks [name ...]`` runs them."""
