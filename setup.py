"""Package discovery and the Lava start-up hook (metadata lives in pyproject.toml).

The design keeps backends in the top-level folder ``backends/`` but installs them as
``snn2hw.backends``; pyproject.toml alone cannot prefix discovered subpackages, so this does.

``snn2hw-lava-py311.pth`` goes into site-packages so that ``import lava`` works on Python 3.11
without importing snn2hw first (snn2hw/compat/lava_py311.py). Wheels (editable ones too) install
data files relative to the environment's prefix, so the target is site-packages relative to the
prefix of the interpreter that builds (the one that installs with --no-build-isolation).
"""

import os
import sys
import sysconfig

from setuptools import find_packages, setup

backend_packages = ["snn2hw.backends"] + [
    f"snn2hw.backends.{name}" for name in find_packages("backends")
]
site_packages = os.path.relpath(sysconfig.get_paths()["purelib"], sys.prefix)
setup(
    packages=find_packages(include=["snn2hw", "snn2hw.*"]) + backend_packages,
    package_dir={"snn2hw.backends": "backends"},
    data_files=[(site_packages, ["snn2hw/compat/snn2hw-lava-py311.pth"])],
)
