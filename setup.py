"""Package discovery and the Lava start-up hook (metadata lives in pyproject.toml).

The design keeps backends in the top-level folder ``backends/``, importable as
``snn2hw.backends``: ``snn2hw/backends`` is a symbolic link to it, so package discovery (which
follows links), editable installs, mypy and ruff all see the backends under that one name.

``snn2hw-lava-py311.pth`` goes into site-packages so that ``import lava`` works on Python 3.11
without importing snn2hw first (snn2hw/compat/lava_py311.py). Wheels (editable ones too) install
data files relative to the environment's prefix, so the target is site-packages relative to the
prefix of the interpreter that builds (the one that installs with --no-build-isolation).
"""

import os
import sys
import sysconfig

from setuptools import find_packages, setup

site_packages = os.path.relpath(sysconfig.get_paths()["purelib"], sys.prefix)
setup(
    packages=find_packages(include=["snn2hw", "snn2hw.*"]),
    data_files=[(site_packages, ["snn2hw/compat/snn2hw-lava-py311.pth"])],
)
