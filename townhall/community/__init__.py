"""The community space: boards, topics (question, idea, discussion, article), replies."""
