"""NIR graph handling: metadata keys, discretisation, reading and writing, the graph layer
(:mod:`.graph`), validation on load (:mod:`.validate`) and the node capability table
(:mod:`.capabilities`)."""
