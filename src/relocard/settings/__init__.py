"""Django settings: ``base`` reads the environment (production and demo); ``test`` for pytest."""
