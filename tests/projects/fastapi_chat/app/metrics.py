from prometheus_client import Counter, Histogram

MESSAGES_POSTED = Counter("chat_messages_posted_total", "Messages accepted", ["room"])
HISTORY_QUERY_SECONDS = Histogram("chat_history_query_seconds", "Loading message history")
