"""Report renderers, one per format; each reads only the result model."""
