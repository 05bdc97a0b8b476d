"""Feature definitions for the recsys online feature store."""
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource
from feast.types import Array, Float32, Int64, String

user = Entity(name="user", join_keys=["user_id"], description="end user")

item = Entity(name="item", join_keys=["item_id"])

user_activity_source = FileSource(
    name="user_activity_source",
    path="data/user_activity.parquet",
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
)

user_activity = FeatureView(
    name="user_activity",
    entities=[user],
    ttl=timedelta(days=1),
    schema=[
        Field(name="clicks_1h", dtype=Int64),
        Field(name="ctr_24h", dtype=Float32),
        Field(name="embedding", dtype=Array(Float32)),
    ],
    online=True,
    source=user_activity_source,
    tags={"team": "recsys"},
)

item_stats = FeatureView(
    name="item_stats",
    entities=[item],
    ttl=timedelta(hours=6),
    schema=[
        Field(name="category", dtype=String),
        Field(name="popularity", dtype=Float32),
    ],
    online=True,
    source=FileSource(path="data/item_stats.parquet", timestamp_field="event_timestamp"),
)
