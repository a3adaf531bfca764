"""The LIF model that the Brian2 peers share (CUBA and the batch workload): current-based exponential
synapses, exact integration.  Brian2 reads ``El``, ``taum``, ``taue`` and ``taui`` from the namespace of
the script that runs the network."""

EQUATIONS = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
dge/dt = -ge / taue : volt
dgi/dt = -gi / taui : volt"""
