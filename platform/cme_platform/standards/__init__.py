"""Credit standards (授分标准): rule primitives a province composes, and the engine that applies them."""
