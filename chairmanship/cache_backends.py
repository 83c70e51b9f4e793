"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` for every cache operation, and building
one costs more than the operation: an archive page made again after a change asks the cache twenty-odd times
(its tags, totals, id blocks, rows), which was a fifth of its time. A ``redis.Redis`` is safe to share between
threads (each command takes a connection from the pool), and its pool starts afresh in a forked worker.
"""

from django.core.cache.backends import redis


class ReusingRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
