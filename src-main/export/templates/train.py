#!/usr/bin/env python3
"""Train a LoRA adapter exported by SQLoRA Workbench, with transformers + PEFT.

Reads the recipe from job.json (written by `sqlora export-job`) and the tokenised
splits from data/*.jsonl, trains with the Hugging Face Trainer, and writes the
standard output layout (PEFT adapter + trainer_state.json) that `sqlora import-run`
reads back. Launch with python, accelerate or torchrun (see README.md).
"""

import argparse
import json
import math
import os
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)

JOB_FORMAT = "sqlora-export-job"
JOB_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))

# The app's scheduler names -> transformers' names. The app warms up for every
# schedule, so "constant" is transformers' constant_with_warmup.
SCHEDULERS = {"cosine": "cosine", "linear": "linear", "constant": "constant_with_warmup"}


def parse_args():
    p = argparse.ArgumentParser(description="Train the exported SQLoRA job (transformers + PEFT).")
    p.add_argument("--job", default=os.path.join(HERE, "job.json"), help="the job.json written by sqlora export-job")
    p.add_argument("--model", default=None, help="base model folder or Hub id (default: job.json's base_model)")
    p.add_argument("--output_dir", default="out", help="where the adapter, trainer_state.json and checkpoints go")
    p.add_argument("--retokenize", action="store_true", help="re-tokenise prompt/completion instead of using the stored ids")
    p.add_argument("--keep_global_batch", action="store_true", help="divide gradient accumulation by the number of processes")
    p.add_argument("--bf16", dest="bf16", action="store_true", default=None, help="train in bf16 (default: when the GPU supports it)")
    p.add_argument("--no-bf16", dest="bf16", action="store_false")
    p.add_argument("--gradient_checkpointing", action="store_true", help="trade compute for memory on long sequences")
    p.add_argument("--attn_implementation", default="eager", help="eager (recommended for Gemma 3 training), sdpa or flash_attention_2")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint-N in output_dir")
    return p.parse_args()


def load_job(path):
    with open(path, encoding="utf-8") as f:
        job = json.load(f)
    if job.get("format") != JOB_FORMAT:
        sys.exit(f"{path}: not a SQLoRA export job (format is {job.get('format')!r})")
    if job.get("version") != JOB_VERSION:
        sys.exit(f"{path}: job version {job.get('version')} is not supported by this script (expects {JOB_VERSION})")
    return job


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                sys.exit(f"{path}:{number}: not valid JSON ({error})")
    return rows


def encode_rows(rows, tokenizer, max_length, retokenize, where):
    """input_ids + labels per example; prompt labels are -100 so only the response is learned."""
    examples = []
    for number, row in enumerate(rows, start=1):
        if retokenize:
            # Same rule as the app: the prompt must leave room for 8 response tokens; a long response is cut.
            prompt = tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
            completion = tokenizer(row["completion"], add_special_tokens=False)["input_ids"]
            if len(prompt) + 8 > max_length:
                continue
            kept = completion[: max_length - len(prompt)]
            input_ids = prompt + kept
            labels = [-100] * len(prompt) + kept
        else:
            input_ids, labels = row["input_ids"], row["labels"]
            if len(input_ids) != len(labels):
                sys.exit(f"{where}:{number}: input_ids and labels differ in length")
            if len(input_ids) > max_length:
                sys.exit(f"{where}:{number}: {len(input_ids)} tokens, more than max length {max_length}")
        examples.append({"input_ids": input_ids, "labels": labels})
    return examples


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, examples):
        self.examples = examples

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, index):
        return self.examples[index]


class PadCollator:
    """Right-pads a batch: pad id for inputs, -100 for labels, 0 in the attention mask."""

    def __init__(self, pad_token_id):
        self.pad_token_id = pad_token_id

    def __call__(self, batch):
        width = max(len(e["input_ids"]) for e in batch)
        input_ids, labels, attention_mask = [], [], []
        for e in batch:
            pad = width - len(e["input_ids"])
            input_ids.append(e["input_ids"] + [self.pad_token_id] * pad)
            labels.append(e["labels"] + [-100] * pad)
            attention_mask.append([1] * len(e["input_ids"]) + [0] * pad)
        return {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
            "attention_mask": torch.tensor(attention_mask, dtype=torch.long),
        }


def check_tokenizer(tokenizer, job):
    """The stored ids only mean something with the tokenizer they were made with."""
    expected = job["tokenizer"]
    found = {
        "bos_token_id": tokenizer.convert_tokens_to_ids("<bos>"),
        "end_of_turn_id": tokenizer.convert_tokens_to_ids("<end_of_turn>"),
    }
    for key, value in found.items():
        if expected.get(key) is not None and expected[key] != value:
            sys.exit(f"the model's tokenizer has {key}={value} but the export used {expected[key]}: is --model the model the job was exported with?")


def optimizer_steps(examples, batch_size, accumulation, world_size, epochs, max_steps):
    """As the Trainer counts them: per-process batches, accumulation rounded up, epochs can be fractional."""
    per_process = math.ceil(examples / world_size)
    batches = math.ceil(per_process / batch_size)
    per_epoch = max(batches // accumulation + int(batches % accumulation > 0), 1)
    total = math.ceil(epochs * per_epoch)
    return total if max_steps is None else min(total, max_steps)


def has_vision_tower(model):
    return any("vision_tower" in name for name, _ in model.named_modules())


def main():
    args = parse_args()
    job_dir = os.path.dirname(os.path.abspath(args.job))
    job = load_job(args.job)
    config = job["config"]
    lora = config["lora"]
    early = config["earlyStopping"]
    model_name = args.model or job["base_model"]
    world_size = int(os.environ.get("WORLD_SIZE", "1"))

    # Seed before the LoRA weights are created, so their initialisation follows the seed too.
    set_seed(config["seed"])

    tokenizer = AutoTokenizer.from_pretrained(model_name)
    check_tokenizer(tokenizer, job)
    pad_token_id = job["tokenizer"].get("pad_token_id")
    if pad_token_id is None:
        pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    max_length = config["maxLength"]
    train_rows = read_jsonl(os.path.join(job_dir, job["data"]["train"]["path"]))
    validation_rows = read_jsonl(os.path.join(job_dir, job["data"]["validation"]["path"]))
    train_set = encode_rows(train_rows, tokenizer, max_length, args.retokenize, "train.jsonl")
    validation_set = encode_rows(validation_rows, tokenizer, max_length, args.retokenize, "validation.jsonl")
    if config.get("evalLimit") is not None:
        validation_set = validation_set[: config["evalLimit"]]
    if not train_set:
        sys.exit("no training examples")
    evaluate = len(validation_set) > 0

    accumulation = config["gradAccumulation"]
    if args.keep_global_batch and world_size > 1:
        if accumulation % world_size:
            sys.exit(f"--keep_global_batch: gradient accumulation {accumulation} is not divisible by {world_size} processes")
        accumulation //= world_size

    total_steps = optimizer_steps(len(train_set), config["batchSize"], accumulation, world_size, config["epochs"], config.get("maxSteps"))
    # Warmup as the app computes it: ceil(ratio x optimiser steps).
    warmup_steps = math.ceil(total_steps * config["warmupRatio"])

    # The best model is chosen among checkpoints, so checkpoints must fall on evaluations.
    save_steps = config["saveSteps"]
    if evaluate and save_steps % config["evalSteps"]:
        save_steps = max(1, round(save_steps / config["evalSteps"])) * config["evalSteps"]

    use_bf16 = args.bf16
    if use_bf16 is None:
        use_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()

    model = AutoModelForCausalLM.from_pretrained(
        model_name,
        dtype=torch.bfloat16 if use_bf16 else torch.float32,
        attn_implementation=args.attn_implementation,
    )
    model.config.use_cache = False  # no KV cache while training

    start_adapter = job.get("start_adapter")
    if start_adapter:
        model = PeftModel.from_pretrained(model, os.path.join(job_dir, start_adapter), is_trainable=True)
    else:
        peft_options = dict(
            r=lora["r"],
            lora_alpha=lora["alpha"],
            lora_dropout=lora["dropout"],
            target_modules=list(lora["targets"]),
            bias="none",
            task_type="CAUSAL_LM",
        )
        if has_vision_tower(model):
            # The app adapts only the language model; SigLIP also has q/k/v_proj.
            peft_options["exclude_modules"] = r".*vision_tower.*"
        model = get_peft_model(model, LoraConfig(**peft_options))
    if args.gradient_checkpointing:
        model.enable_input_require_grads()
    if int(os.environ.get("RANK", "0")) == 0:
        model.print_trainable_parameters()
        print(f"{len(train_set)} train / {len(validation_set)} validation examples, {total_steps} optimiser steps, {warmup_steps} warmup, {world_size} process(es)")

    training_args = TrainingArguments(
        output_dir=args.output_dir,
        per_device_train_batch_size=config["batchSize"],
        per_device_eval_batch_size=config["batchSize"],
        gradient_accumulation_steps=accumulation,
        learning_rate=config["learningRate"],
        weight_decay=config["weightDecay"],
        max_grad_norm=config["maxGradNorm"],
        num_train_epochs=config["epochs"],
        max_steps=total_steps,
        lr_scheduler_type=SCHEDULERS[config["scheduler"]],
        warmup_steps=warmup_steps,
        optim="adamw_torch",
        logging_strategy="steps",
        logging_steps=config["loggingSteps"],
        eval_strategy="steps" if evaluate else "no",
        eval_steps=config["evalSteps"] if evaluate else None,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=config["saveTotalLimit"],
        load_best_model_at_end=evaluate,
        metric_for_best_model="eval_loss" if evaluate else None,
        greater_is_better=False if evaluate else None,
        seed=config["seed"],
        data_seed=config["seed"],
        bf16=use_bf16,
        gradient_checkpointing=args.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if args.gradient_checkpointing else None,
        train_sampling_strategy="group_by_length",  # the app batches examples of similar length too
        remove_unused_columns=False,
        ddp_find_unused_parameters=False,
        report_to="none",
    )

    callbacks = []
    if evaluate and early["enabled"]:
        callbacks.append(
            EarlyStoppingCallback(
                early_stopping_patience=early["patience"],
                early_stopping_threshold=early["threshold"],
            )
        )

    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=ListDataset(train_set),
        eval_dataset=ListDataset(validation_set) if evaluate else None,
        data_collator=PadCollator(pad_token_id),
        callbacks=callbacks,
    )

    resume = None
    if args.resume:
        checkpoints = [d for d in os.listdir(args.output_dir) if d.startswith("checkpoint-")] if os.path.isdir(args.output_dir) else []
        resume = True if checkpoints else None

    result = trainer.train(resume_from_checkpoint=resume)

    # The standard layout: adapter (the best one when load_best_model_at_end), trainer_state.json, all_results.json.
    trainer.save_model(args.output_dir)
    trainer.log_metrics("train", result.metrics)
    trainer.save_metrics("train", result.metrics)
    trainer.save_state()
    if trainer.is_world_process_zero():
        with open(os.path.join(args.output_dir, "sqlora_job.json"), "w", encoding="utf-8") as f:
            json.dump(job, f, indent=2)
        print(f"Done. Import the result with: sqlora import-run {os.path.abspath(args.output_dir)}")


if __name__ == "__main__":
    main()
