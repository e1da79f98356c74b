"""Norse's own NIR exporter -> snn2hw. Norse 1.1 writes a LIF's ``tau`` as ``dt * tau_mem``
(``dt / tau_mem_inv``) instead of ``tau_mem``, so its files run as Norse ran them at
``dt = norse_dt ** 2`` (Euler factor ``dt / tau = norse_dt * tau_mem_inv``)."""

from __future__ import annotations

import warnings

import norse.torch as norse
import numpy as np
import torch

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning

NORSE_DT = 1e-3  # norse's default time step


def test_norse_lif_box_file_reproduces_norse():
    torch.manual_seed(0)
    params = norse.LIFBoxParameters(tau_mem_inv=torch.tensor(200.0), v_th=torch.tensor(0.1))
    net = norse.SequentialState(torch.nn.Linear(4, 5), norse.LIFBoxCell(params),
                                torch.nn.Linear(5, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # norse's torch.jit deprecation notices
        graph = norse.to_nir(net, torch.zeros(4))
    assert abs(float(graph.nodes["1"].tau) - NORSE_DT / 200.0) < 1e-12  # not 1 / 200
    x = torch.rand(10, 3, 4) * 3
    state, outputs = None, []
    with torch.no_grad():
        for xt in x:
            out, state = net(xt, state)
            outputs.append(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        result = simulate(graph, x.numpy(), dt=NORSE_DT ** 2, record=True)
    np.testing.assert_allclose(result.output, torch.stack(outputs).numpy(), rtol=0, atol=1e-6)
    assert 0.02 < result.records["1"].mean() < 0.98
