"""Parameter counts from the architecture alone (BN unfolded, IMP apart) equal torchvision's."""

from __future__ import annotations

import pytest

from snn2hw.energy import _meta_model, _torch_params


@pytest.mark.parametrize(("model", "params"), [
    ("sew18", 11_689_512), ("sew34", 21_797_672), ("sew50", 25_557_032)])
def test_sew_parameters_equal_torchvision_resnets(model, params):
    assert _torch_params(_meta_model(model)) == (params, 0)
