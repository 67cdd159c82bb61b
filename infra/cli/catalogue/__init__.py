"""The command line's French texts, one module per area; ``infra.cli.words`` joins them."""
