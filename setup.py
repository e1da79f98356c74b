"""Package discovery only (metadata lives in pyproject.toml).

The design keeps backends in the top-level folder ``backends/`` but installs them as
``snn2hw.backends``; pyproject.toml alone cannot prefix discovered subpackages, so this does.
"""

from setuptools import find_packages, setup

backend_packages = ["snn2hw.backends"] + [
    f"snn2hw.backends.{name}" for name in find_packages("backends")
]
setup(
    packages=find_packages(include=["snn2hw", "snn2hw.*"]) + backend_packages,
    package_dir={"snn2hw.backends": "backends"},
)
