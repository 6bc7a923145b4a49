"""Every Block Kit payload the bot sends is built here, inside Slack's limits.

``kit`` holds the primitives and the limits; ``capture`` renders what members see when they
log, list and search; ``rhythm`` renders prompts, digests and coordinator views; ``nudges``
renders the DMs about members' actions.
Handlers never build block dicts by hand.
"""
