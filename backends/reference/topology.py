"""Moved to :mod:`snn2hw.ir.graph` (the one graph layer); kept as an alias until every importer
outside the reference backend has switched."""

from snn2hw.ir.graph import Schedule, schedule

__all__ = ["Schedule", "schedule"]
