"""The shared machinery of the casebook: specs, metrics, architecture, registry, runner, CLI."""
