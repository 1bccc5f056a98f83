"""Trains the labeller's encoder with PyTorch on CPU.

Called by `node dist/train/train.js --engine torch` (see src/train/torch-engine.ts), which computes the
features with the labeller's own code and writes them as bundles (`features.f32`, `labels.u8`,
`index.json`). This script trains the attnkit `transformer-encoder` spec it is given, with the same
semantics (pre-norm, RoPE on half-split pairs, tanh GELU, layer norm eps from the spec, local-window
attention), and writes the weights under attnkit's names in the spec's layout (`[out, in]` for linear
weights) as `weights.f32` + `weights.json`, plus the logits of the `--check` bundle's utterances so that
the caller can confirm that attnkit computes the same function.

Seeded: the same bundles and arguments give the same weights on the same machine and torch build.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def say(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def load_bundle(path):
    with open(os.path.join(path, "index.json")) as f:
        index = json.load(f)
    bands = index["bands"]
    feats = np.fromfile(os.path.join(path, "features.f32"), dtype=np.float32).reshape(-1, bands)
    labels = np.fromfile(os.path.join(path, "labels.u8"), dtype=np.uint8)
    frames = np.asarray(index["frames"], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(frames)])
    assert offsets[-1] == feats.shape[0] == labels.shape[0], "bundle sizes disagree"
    return {"feats": feats, "labels": labels, "frames": frames, "offsets": offsets, "names": index["names"]}


def rope_tables(S, Dh, base):
    # float64, rounded once to float32 (as @attnkit/core's ropeTables)
    half = Dh // 2
    inv = np.power(float(base), -2.0 * np.arange(half, dtype=np.float64) / Dh)
    ang = np.arange(S, dtype=np.float64)[:, None] * inv[None, :]
    return torch.from_numpy(np.cos(ang).astype(np.float32)), torch.from_numpy(np.sin(ang).astype(np.float32))


def apply_rope(x, cos, sin):
    half = x.shape[-1] // 2
    a, z = x[..., :half], x[..., half:]
    return torch.cat([a * cos - z * sin, a * sin + z * cos], dim=-1)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)
        self.output = nn.Linear(d, d)

    def forward(self, x, cos, sin, bias):
        B, S, d = x.shape
        H = self.heads
        Dh = d // H

        def split(t):
            return t.view(B, S, H, Dh).transpose(1, 2)

        # the scale is applied to q (B·S·d products instead of B·H·S² on the scores)
        q = apply_rope(split(self.query(x)), cos, sin) * (1.0 / math.sqrt(Dh))
        k = apply_rope(split(self.key(x)), cos, sin)
        v = split(self.value(x))
        scores = torch.baddbmm(
            bias.expand(B, H, S, S).reshape(B * H, S, S), q.reshape(B * H, S, Dh), k.reshape(B * H, S, Dh).transpose(1, 2)
        ).view(B, H, S, S)
        o = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.output(o.transpose(1, 2).reshape(B, S, d))


class FFN(nn.Module):
    def __init__(self, d, hidden, act):
        super().__init__()
        self.hidden = nn.Linear(d, hidden)
        self.output = nn.Linear(hidden, d)
        self.act = act

    def forward(self, x):
        h = self.hidden(x)
        h = F.gelu(h, approximate="tanh") if self.act == "gelu" else F.relu(h)
        return self.output(h)


class Layer(nn.Module):
    def __init__(self, d, heads, ffn, act, eps, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.attention = Attention(d, heads)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.ffn = FFN(d, ffn, act)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, cos, sin, bias):
        x = x + self.drop(self.attention(self.norm1(x), cos, sin, bias))
        return x + self.drop(self.ffn(self.norm2(x)))


class Encoder(nn.Module):
    """attnkit's transformer-encoder (pre-norm, RoPE, per-position head). Parameter names are attnkit's."""

    def __init__(self, spec, dropout):
        super().__init__()
        assert spec.get("norm", "pre") == "pre" and spec["positional"]["kind"] == "rope"
        d = spec["dModel"]
        eps = spec.get("normEpsilon", 1e-5)
        self.spec = spec
        self.input = nn.Linear(spec["inputSize"], d)
        self.layers = nn.ModuleList(
            [
                Layer(d, spec["heads"], spec["ffnSize"], spec.get("activation", "gelu"), eps, dropout)
                for _ in range(spec["layers"])
            ]
        )
        self.final_norm = nn.LayerNorm(d, eps=eps)
        self.head = nn.Linear(d, spec["output"]["classes"])
        self.window = spec["attention"]["window"]
        self.base = spec["positional"].get("base", 10000)
        self.tables = {}

    def bias(self, S, lengths):
        # keys j with i - left <= j <= i + right and j < length; others -1e9 (a padded query row keeps
        # some finite score and its output is never used)
        i = torch.arange(S)[:, None]
        j = torch.arange(S)[None, :]
        inside = (j >= i - self.window["left"]) & (j <= i + self.window["right"])
        valid = j[None, :, :] < lengths[:, None, None]
        allowed = inside[None] & valid
        return torch.where(allowed, torch.tensor(0.0), torch.tensor(-1e9))[:, None, :, :]

    def forward(self, x, lengths):
        B, S, _ = x.shape
        Dh = self.spec["dModel"] // self.spec["heads"]
        if S not in self.tables:
            self.tables[S] = rope_tables(S, Dh, self.base)
        cos, sin = self.tables[S]
        bias = self.bias(S, lengths)
        h = self.input(x)
        for layer in self.layers:
            h = layer(h, cos, sin, bias)
        return self.head(self.final_norm(h))


def band_warp(x, alpha, beta=0.0):
    # a vocal-tract-length-like warp of the band axis: band f takes the value at position f * alpha, plus
    # beta * f * (1 - f / (bands - 1)), a bend that moves the middle bands against both ends (the formants
    # move by different ratios, as between speakers)
    bands = x.shape[-1]
    f = np.arange(bands)
    pos = np.clip(f * alpha + beta * f * (1 - f / (bands - 1)), 0, bands - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, bands - 1)
    frac = (pos - lo).astype(np.float32)
    return x[..., lo] * (1 - frac) + x[..., hi] * frac


def batch_of(data, rng, B, S, freq_mask, time_mask, warp=0.0, bend=0.0):
    bands = data["feats"].shape[1]
    x = np.zeros((B, S, bands), dtype=np.float32)
    y = np.full((B, S), -100, dtype=np.int64)
    lengths = np.zeros(B, dtype=np.int64)
    n = len(data["frames"])
    for b in range(B):
        u = int(rng.integers(n))
        T = int(data["frames"][u])
        L = min(S, T)
        start = int(rng.integers(T - L + 1))
        o = int(data["offsets"][u]) + start
        x[b, :L] = data["feats"][o : o + L]
        y[b, :L] = data["labels"][o : o + L]
        lengths[b] = L
        if warp > 0 and rng.random() < 0.5:
            alpha = float(rng.uniform(1 - warp, 1 + warp))
            # drawn only with a bend, so that runs without one keep their random stream
            beta = float(rng.uniform(-bend, bend)) if bend > 0 else 0.0
            x[b, :L] = band_warp(x[b, :L], alpha, beta)
        if freq_mask > 0 and rng.random() < 0.5:
            w = 1 + int(rng.integers(freq_mask))
            f0 = int(rng.integers(bands - w))
            x[b, :L, f0 : f0 + w] = 0.0
        if time_mask > 0 and rng.random() < 0.3:
            w = 1 + int(rng.integers(time_mask))
            t0 = int(rng.integers(max(1, L - w)))
            x[b, t0 : t0 + w] = 0.0
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(lengths)


def evaluate(model, data, limit=None):
    model.eval()
    right = total = 0
    n = len(data["frames"]) if limit is None else min(limit, len(data["frames"]))
    with torch.no_grad():
        for u in range(n):
            o, T = int(data["offsets"][u]), int(data["frames"][u])
            x = torch.from_numpy(data["feats"][o : o + T][None])
            z = model(x, torch.tensor([T]))
            hyp = z[0].argmax(-1).numpy()
            right += int((hyp == data["labels"][o : o + T]).sum())
            total += T
    model.train()
    return right / max(1, total)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spec", required=True, help="the model spec, as JSON")
    p.add_argument("--data", required=True, nargs="+", help="training bundles")
    p.add_argument("--dev", help="a bundle scored during training (never trained on)")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--freq-mask", type=int, default=6)
    p.add_argument("--time-mask", type=int, default=0)
    p.add_argument("--band-warp", type=float, default=0.0, help="warp the band axis by 1 ± this on half the crops")
    p.add_argument("--band-bend", type=float, default=0.0, help="on the warped crops, also bend the band axis by up to this (see band_warp)")
    p.add_argument("--ema", type=float, default=0.0, help="keep an exponential moving average of the weights (decay)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--log", type=int, default=100)
    p.add_argument("--dev-every", type=int, default=1000, help="score the dev bundle every n steps (and at the end)")
    p.add_argument("--check", required=True, help="a bundle whose logits are written (check.f32) after training")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    with open(a.spec) as f:
        spec = json.load(f)
    bundles = [load_bundle(d) for d in a.data]
    data = {
        "feats": np.concatenate([b["feats"] for b in bundles]),
        "labels": np.concatenate([b["labels"] for b in bundles]),
        "frames": np.concatenate([b["frames"] for b in bundles]),
    }
    data["offsets"] = np.concatenate([[0], np.cumsum(data["frames"])])
    dev = load_bundle(a.dev) if a.dev else None
    say(
        f"torch {torch.__version__}, {a.threads} threads; {len(data['frames'])} utterances, "
        f"{data['frames'].sum() / 6000:.1f} min; dev {0 if dev is None else len(dev['frames'])}"
    )

    model = Encoder(spec, a.dropout)
    decay = [p_ for n, p_ in model.named_parameters() if p_.dim() == 2]
    other = [p_ for n, p_ in model.named_parameters() if p_.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": a.weight_decay}, {"params": other, "weight_decay": 0.0}], lr=a.lr
    )

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        t = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.lr * 0.5 * (1 + math.cos(math.pi * t))

    # the moving average of the weights (and buffers), exported and scored instead of the last step's
    ema = {n: t.detach().clone() for n, t in model.state_dict().items()} if a.ema > 0 else None

    def scored():
        if ema is None:
            return model
        m = Encoder(spec, 0.0)
        m.load_state_dict(ema)
        return m

    t0 = time.time()
    loss_sum = acc_sum = 0.0
    k = 0
    for step in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y, lengths = batch_of(data, rng, a.batch, a.length, a.freq_mask, a.time_mask, a.band_warp, a.band_bend)
        z = model(x, lengths)
        loss = F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for n, t in model.state_dict().items():
                    ema[n].mul_(a.ema).add_(t, alpha=1 - a.ema)
        with torch.no_grad():
            m = y >= 0
            acc_sum += float((z.argmax(-1)[m] == y[m]).float().mean())
        loss_sum += float(loss)
        k += 1
        if (step + 1) % a.log == 0 or step + 1 == a.steps:
            line = (
                f"step {step + 1}/{a.steps} lr {lr_at(step):.2e} loss {loss_sum / k:.4f} "
                f"acc {acc_sum / k:.4f} {time.time() - t0:.0f} s"
            )
            if dev is not None and ((step + 1) % a.dev_every == 0 or step + 1 == a.steps):
                line += f" dev {evaluate(scored(), dev):.4f}"
            say(line)
            loss_sum = acc_sum = 0.0
            k = 0
    seconds = time.time() - t0

    model = scored()
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    entries, chunks, offset = [], [], 0
    for name, t in model.state_dict().items():
        arr = t.detach().numpy().astype(np.float32)
        entries.append({"name": name, "shape": list(arr.shape), "offset": offset})
        chunks.append(arr.ravel())
        offset += arr.size
    np.concatenate(chunks).tofile(os.path.join(a.out, "weights.f32"))
    check = load_bundle(a.check)
    checks, outs = [], []
    with torch.no_grad():
        for u in range(len(check["frames"])):
            o, T = int(check["offsets"][u]), int(check["frames"][u])
            z = model(torch.from_numpy(check["feats"][o : o + T][None]), torch.tensor([T]))
            outs.append(z[0].numpy().astype(np.float32).ravel())
            checks.append({"frames": T})
    np.concatenate(outs).tofile(os.path.join(a.out, "check.f32"))
    summary = {
        "weights": entries,
        "checks": checks,
        "seconds": round(seconds),
        "torch": torch.__version__,
        "threads": a.threads,
    }
    with open(os.path.join(a.out, "weights.json"), "w") as f:
        json.dump(summary, f)
    say(f"trained {a.steps} steps in {seconds:.0f} s")


if __name__ == "__main__":
    main()
