"""Every way a person or program reaches the assistant: CLI, Gradio chat, HTTP API."""
