"""snn2hw backends, installed as ``snn2hw.backends``. Each subpackage consumes only NIR graphs.

Nothing is imported here: the registry (:mod:`snn2hw.registry`) imports a backend when asked,
so a missing optional dependency disables only that backend.
"""
