"""PDF acknowledgements: receipts, decision notices and information requests."""
