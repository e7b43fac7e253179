"""Case studies: one package per case, discovered by convention."""
