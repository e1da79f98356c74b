"""Figures a researcher puts in a paper, one module per family; each function takes plain
results (arrays, summaries) and writes a file whose format follows its extension (``.png``,
``.pdf``, ``.svg``, ...), with labelled axes, units and a title naming model and settings.

- :mod:`.spikes`: spike raster of chosen layers, membrane traces of chosen neurons;
- :mod:`.accuracy`: accuracy per time step for each backend or model, accuracy vs weight bits;
- :mod:`.layers`: firing rate per layer, energy per layer split into MACs, ACs, neuron updates;
- :mod:`.agreement`: the agreement matrix (graphs x backends: spikes and predictions equal);
- :mod:`.compare`: two models side by side (IMP vs no IMP).

matplotlib is imported only when a figure is drawn (the CLI stays light).
"""
