"""Publishing change messages to Pub/Sub: the only module that imports google.cloud.pubsub."""

from collections.abc import Sequence

from google.cloud import pubsub_v1  # type: ignore[attr-defined]

from functions.core.messages import Message

PUBLISH_TIMEOUT_SECONDS = 30


class PubSubPublisher:
    """Publisher on one topic, ordering key = agentUserId."""

    def __init__(self, project: str, topic: str) -> None:
        self.client = pubsub_v1.PublisherClient(
            publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
        )
        self.topic = self.client.topic_path(project, topic)

    def publish(self, messages: Sequence[Message]) -> None:
        futures = [
            (
                message,
                self.client.publish(
                    self.topic, message.encode(), ordering_key=message.user_id, **message.attributes
                ),
            )
            for message in messages
        ]
        for message, future in futures:
            try:
                future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
            except Exception:
                self.client.resume_publish(self.topic, message.user_id)
                raise
