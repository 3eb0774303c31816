"""What every layer shares: errors, configuration, the run model, one vocabulary, units, rendering.

Nothing here imports another OrcaOps package, so every layer may import it.
"""
