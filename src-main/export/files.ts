import type { TrainConfig } from '../train/config';
import type { SplitCounts } from './index';

/**
 * The static parts of an exported job: accelerate configs, pinned requirements and the
 * README with the launch commands. The Trainer script itself is a template file
 * (templates/train.py) so it stays readable as Python.
 */

/**
 * Versions pinned together: transformers 5.17.0, peft 0.21.0 and torch 2.11.0 are the
 * ones the app's engine is compared against. train.py was run end to end with
 * transformers 5.17.0, peft 0.21.0, accelerate 1.15.0 on torch 2.13.0 (CPU);
 * deepspeed is the release we believe matches, not run (see the README's caveat).
 */
export const PINNED = {
  torch: '2.11.0',
  transformers: '5.17.0',
  peft: '0.21.0',
  accelerate: '1.15.0',
  deepspeed: '0.18.9',
  safetensors: '0.8.0',
} as const;

export const REQUIREMENTS = `# Pinned for the exported SQLoRA job (see README.md, "Versions").
torch==${PINNED.torch}
transformers==${PINNED.transformers}
peft==${PINNED.peft}
accelerate==${PINNED.accelerate}
safetensors==${PINNED.safetensors}
# Only for accelerate/deepspeed-zero3.yaml (needs a CUDA toolkit to build its ops):
# deepspeed==${PINNED.deepspeed}
`;

/** accelerate configs; the process counts are defaults that the launch command overrides. */
export const ACCELERATE_CONFIGS: Record<string, string> = {
  'single-node-ddp.yaml': `# One machine, several GPUs, plain DDP (each GPU holds the whole base model).
# accelerate launch --config_file accelerate/single-node-ddp.yaml --num_processes 8 train.py
compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_machines: 1
machine_rank: 0
num_processes: 8
gpu_ids: all
mixed_precision: bf16
downcast_bf16: 'no'
rdzv_backend: static
same_network: true
main_training_function: main
use_cpu: false
`,
  'multi-node-ddp.yaml': `# Several machines, DDP. Run the same command on every node with its own --machine_rank,
# and the first node's address as --main_process_ip (see README.md).
compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_machines: 2
machine_rank: 0
num_processes: 16
main_process_ip: 10.0.0.1
main_process_port: 29500
gpu_ids: all
mixed_precision: bf16
downcast_bf16: 'no'
rdzv_backend: static
same_network: true
main_training_function: main
use_cpu: false
`,
  'deepspeed-zero3.yaml': `# Large bases (Gemma 3 12B/27B): DeepSpeed ZeRO-3 shards parameters, gradients and
# optimiser state across GPUs. train.py saves the adapter gathered from all shards.
compute_environment: LOCAL_MACHINE
distributed_type: DEEPSPEED
deepspeed_config:
  zero_stage: 3
  zero3_init_flag: true
  zero3_save_16bit_model: true
  offload_optimizer_device: none
  offload_param_device: none
  gradient_accumulation_steps: auto
  gradient_clipping: auto
num_machines: 1
machine_rank: 0
num_processes: 8
mixed_precision: bf16
rdzv_backend: static
same_network: true
main_training_function: main
use_cpu: false
`,
  'fsdp.yaml': `# Alternative to ZeRO-3 without DeepSpeed: PyTorch FSDP2, sharding per decoder layer.
compute_environment: LOCAL_MACHINE
distributed_type: FSDP
fsdp_config:
  fsdp_version: 2
  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
  fsdp_transformer_layer_cls_to_wrap: Gemma3DecoderLayer
  fsdp_state_dict_type: SHARDED_STATE_DICT
  fsdp_cpu_ram_efficient_loading: true
  fsdp_offload_params: false
  fsdp_reshard_after_forward: true
  fsdp_activation_checkpointing: false
num_machines: 1
machine_rank: 0
num_processes: 8
mixed_precision: bf16
rdzv_backend: static
same_network: true
main_training_function: main
use_cpu: false
`,
};

export function renderReadme(options: { config: TrainConfig; baseModel: string; train: SplitCounts; validation: SplitCounts; folder: string }): string {
  const { config, baseModel, train, validation } = options;
  const global = config.batchSize * config.gradAccumulation;
  const early = config.earlyStopping.enabled
    ? `early stopping on eval_loss (patience ${config.earlyStopping.patience}, threshold ${config.earlyStopping.threshold})`
    : 'no early stopping';
  return `# SQLoRA training job

Exported by SQLoRA Workbench. Everything the run needs is in this folder:

| file | what |
|---|---|
| \`job.json\` | the recipe (the app's TrainConfig under \`config\`), the base model, token ids of the tokenizer |
| \`data/train.jsonl\`, \`data/validation.jsonl\` | the splits in the run's prompt format: \`prompt\` (chat template, with \`<bos>\`), \`completion\` (\`SQL: ...<end_of_turn>\`), and the exact \`input_ids\` / \`labels\` the app trains on (prompt labels are -100) |
| \`train.py\` | transformers \`Trainer\` + PEFT LoRA reproducing the recipe from \`job.json\` |
| \`accelerate/*.yaml\` | one machine with several GPUs (DDP), several machines (DDP), DeepSpeed ZeRO-3 and FSDP for large bases |
| \`requirements.txt\` | pinned versions |

The recipe: LoRA r=${config.lora.r}, alpha ${config.lora.alpha}, dropout ${config.lora.dropout} on ${config.lora.targets.join(', ')};
lr ${config.learningRate} (${config.scheduler}, warmup ratio ${config.warmupRatio}), weight decay ${config.weightDecay},
batch ${config.batchSize} x accumulation ${config.gradAccumulation} per GPU, ${config.maxSteps === null ? `${config.epochs} epochs` : `at most ${config.maxSteps} steps`},
max grad norm ${config.maxGradNorm}, max length ${config.maxLength}, seed ${config.seed}, eval every ${config.evalSteps} steps, ${early}, best model kept.
Data: ${train.examples} train / ${validation.examples} validation examples (${train.dropped + validation.dropped} prompts longer than ${config.maxLength} tokens left out, ${train.truncated + validation.truncated} responses cut).

## Setup

\`\`\`bash
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
# only for DeepSpeed: pip install deepspeed==${PINNED.deepspeed}
\`\`\`

The base model: \`job.json\` says \`"base_model": "${baseModel}"\`. On a machine where that path does
not exist, pass \`--model\` with a local folder or a Hub id (e.g. \`google/gemma-3-1b-it\`, after
\`huggingface-cli login\` for Gemma's licence). It must be the same model the export was
tokenised with: \`train.py\` checks the tokenizer's special token ids against \`job.json\`.

## Launch

One GPU (or a quick check on CPU):

\`\`\`bash
python train.py --output_dir out
\`\`\`

One machine, 8 GPUs, DDP:

\`\`\`bash
accelerate launch --config_file accelerate/single-node-ddp.yaml --num_processes 8 train.py --output_dir out
# or, without accelerate's launcher:
torchrun --nproc_per_node 8 train.py --output_dir out
\`\`\`

Two machines of 8 GPUs (run on each node, MACHINE_RANK 0 on the first):

\`\`\`bash
accelerate launch --config_file accelerate/multi-node-ddp.yaml \\
  --num_machines 2 --num_processes 16 --machine_rank $MACHINE_RANK \\
  --main_process_ip $MASTER_ADDR --main_process_port 29500 train.py --output_dir out
# or:
torchrun --nnodes 2 --nproc_per_node 8 --node_rank $MACHINE_RANK \\
  --master_addr $MASTER_ADDR --master_port 29500 train.py --output_dir out
\`\`\`

Large bases (Gemma 3 12B/27B), DeepSpeed ZeRO-3 or FSDP:

\`\`\`bash
accelerate launch --config_file accelerate/deepspeed-zero3.yaml --num_processes 8 train.py --output_dir out
accelerate launch --config_file accelerate/fsdp.yaml --num_processes 8 train.py --output_dir out
\`\`\`

Slurm (one task per node; torchrun starts one process per GPU):

\`\`\`bash
#!/bin/bash
#SBATCH --job-name=sqlora
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=32
#SBATCH --time=12:00:00
#SBATCH --output=slurm-%j.out
set -euo pipefail
cd "$SLURM_SUBMIT_DIR"
. .venv/bin/activate
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes "$SLURM_NNODES" --nproc_per_node 8 \\
  --rdzv_id "$SLURM_JOB_ID" --rdzv_backend c10d --rdzv_endpoint "$MASTER_ADDR:29500" \\
  train.py --output_dir out
\`\`\`

### The global batch

The recipe's batch is ${config.batchSize} x ${config.gradAccumulation} = ${global} examples per optimiser step on one device.
With N GPUs the Trainer's global batch is N times larger. To keep the app's global batch
(and so its learning-rate curve per example), pass \`--keep_global_batch\`: \`train.py\`
then divides the gradient accumulation by the number of processes (it must divide evenly).

## Options of train.py

\`--job job.json\`, \`--model PATH_OR_ID\`, \`--output_dir out\`, \`--retokenize\` (re-tokenise
\`prompt\`/\`completion\` with the model's tokenizer instead of using the stored ids),
\`--keep_global_batch\`, \`--bf16\` / \`--no-bf16\` (bf16 on GPUs that support it by default),
\`--gradient_checkpointing\`, \`--attn_implementation eager|sdpa|flash_attention_2\` (eager by
default: Gemma 3 is recommended to train with it), \`--resume\` (from the newest checkpoint in the output folder).

## Output and import

The output folder has the standard layout: the PEFT adapter (\`adapter_config.json\`,
\`adapter_model.safetensors\`, the best checkpoint's weights when evaluation ran), \`trainer_state.json\`
(every log and evaluation), \`all_results.json\` and \`checkpoint-N/\` folders. Bring it back
into the workbench:

\`\`\`bash
sqlora import-run out/
\`\`\`

(or drop the folder on the Runs screen). The run's curves, summary and adapter then compare
and evaluate like a run trained in the app.

## What differs from a run in the app

- Order of examples and dropout noise come from torch's RNG, not the app's, so losses match in
  distribution, not digit for digit.
- \`save_steps\` is raised to a multiple of \`eval_steps\` when they disagree, as the Trainer needs a
  checkpoint at an evaluation to keep the best model.
- Multimodal Gemma 3 checkpoints (4B/12B/27B): \`train.py\` adapts only the language model
  (vision tower excluded).

## Versions

transformers ${PINNED.transformers}, peft ${PINNED.peft} and torch ${PINNED.torch} are pinned as the app's reference
versions. \`train.py\` was run end to end (train, evaluate, early-stopping bookkeeping, save, import
back) with transformers ${PINNED.transformers}, peft ${PINNED.peft}, accelerate ${PINNED.accelerate} and safetensors ${PINNED.safetensors} on torch
2.13.0 (CPU), not on torch ${PINNED.torch}. deepspeed ${PINNED.deepspeed} is the release we believe belongs with them but was
not run with this script; the multi-GPU, multi-node, ZeRO-3 and FSDP configs were not run either.
If pip reports a conflict, keep transformers/peft/torch and let pip choose the others.
`;
}
