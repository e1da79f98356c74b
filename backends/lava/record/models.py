"""CPU models of :class:`snn2hw.backends.lava.record.process.Record` (float and fixed)."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from snn2hw.backends.lava.record.process import RECORDS, Record


class _RecordModel(PyLoihiProcessModel):
    def run_spk(self) -> None:
        values = RECORDS[self.proc_params["key"]]
        values[(self.time_step - 1) % values.shape[0]] = self.a_in.recv()


@implements(proc=Record, protocol=LoihiProtocol)
@requires(CPU)
class PyRecordFloat(_RecordModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)


@implements(proc=Record, protocol=LoihiProtocol)
@requires(CPU)
class PyRecordFixed(_RecordModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
