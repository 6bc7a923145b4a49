"""Every Block Kit payload the bot sends is built here, inside Slack's limits.

``kit`` holds the primitives and the limits; ``capture`` renders what members see when they
log, list and search; ``rhythm`` renders prompts, digests, nudges and coordinator views.
Handlers never build block dicts by hand.
"""
