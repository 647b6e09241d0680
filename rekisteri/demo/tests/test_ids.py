"""The demo seeder's ids are time-ordered like the application's
(rekisteri/core/ids.py), so a seeded register's indexes look like a real one's."""

from __future__ import annotations

import random
import time
import uuid

import pytest

from rekisteri.demo.generator import Generator


@pytest.mark.parametrize("seed", [1, 2])
def test_demo_seeder_makes_time_ordered_ids(seed):
    gen = Generator.__new__(Generator)  # only the id maker is needed
    gen.getrandbits = random.Random(seed).getrandbits
    made = [uuid.UUID(gen.new_id()) for _ in range(500)]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)
    assert abs((made[0].int >> 80) - time.time_ns() // 1_000_000) < 60_000
    assert len(set(made)) == len(made)
