"""A tiny solution as `evolve` might leave it: `predict(inputs)` scores the sentiment of a text."""

POSITIVE = {"good", "great", "love", "excellent", "happy"}
NEGATIVE = {"bad", "awful", "hate", "poor", "sad"}


def predict(inputs):
    words = inputs["text"].lower().split()
    score = sum(word in POSITIVE for word in words) - sum(word in NEGATIVE for word in words)
    return {"label": "positive" if score > 0 else "negative" if score < 0 else "neutral", "score": score}


if __name__ == "__main__":
    print(predict({"text": "a great day"}))
