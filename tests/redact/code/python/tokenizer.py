"""Loading and configuring tokenizers for fine-tuning."""
from dataclasses import dataclass, field
from typing import Optional

from transformers import AutoTokenizer, PreTrainedTokenizerBase


@dataclass
class TokenizerArgs:
    model_name: str = "meta-llama/Llama-3.1-8B"
    max_length: int = 2048
    pad_token: Optional[str] = None
    eos_token: str = "</s>"
    bos_token: str = "<s>"
    special_tokens: list = field(default_factory=lambda: ["<|im_start|>", "<|im_end|>"])
    use_auth_token: bool = False


def load_tokenizer(args: TokenizerArgs, hf_token: Optional[str] = None) -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(args.model_name, token=hf_token, use_fast=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
        tokenizer.pad_token_id = tokenizer.eos_token_id
    tokenizer.add_special_tokens({"additional_special_tokens": args.special_tokens})
    unk_token = tokenizer.unk_token or "[UNK]"
    mask_token = "[MASK]"
    return tokenizer


def count_tokens(tokenizer, text: str) -> int:
    tokens = tokenizer(text, add_special_tokens=False)["input_ids"]
    return len(tokens)


def truncate(tokenizer, text: str, max_tokens: int = 512) -> str:
    ids = tokenizer.encode(text)[:max_tokens]
    token = tokenizer.decode(ids)
    return token


class TokenBudget:
    def __init__(self, total: int):
        self.total = total
        self.used = 0

    def take(self, n: int) -> bool:
        next_token = self.used + n
        if next_token > self.total:
            return False
        self.used = next_token
        return True
