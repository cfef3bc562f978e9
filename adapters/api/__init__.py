"""The REST API under /api/v1: requests, purchase orders, deliveries, vendors (bearer keys)."""

from adapters.api.app import mount_api

__all__ = ["mount_api"]
