"""Cost of the Lightning callback and of TensorBoard logging, against a plain ``trainer.fit``.

Usage::

    python benchmarks/integrations.py [--epochs 30] [--n-points 12]

A small CNN (two conv layers, 8 x 8 digits, 1,438 training images, batch 128) is trained with
Lightning on the CPU, four ways in one process, so that the baseline is measured beside the rest:

1. ``fit`` alone (baseline);
2. + :class:`~infoplane.integrations.InformationPlaneCallback` (4 layers, online ``kde_upper`` on
   500 evaluation inputs, gradient statistics, tables and figures written at the end);
3. + TensorBoard scalars at each capture (``tensorboard=<dir>``, ``tensorboard_figures=False``);
4. + the plane figure at each capture.

The table gives the wall time, the time added per captured epoch, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from torch import nn


def main() -> None:
    import lightning.pytorch as pl

    from infoplane.data import load_digits
    from infoplane.integrations import InformationPlaneCallback
    from infoplane.training.schedule import log_spaced_epochs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--n-points", type=int, default=12)
    args = parser.parse_args()

    ds = load_digits()
    x, y = torch.as_tensor(ds.x), torch.as_tensor(ds.y)
    tr = torch.as_tensor(ds.train_idx)
    ev = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:500]

    class Lit(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10),
            )  # fmt: skip

        def forward(self, xb: torch.Tensor) -> torch.Tensor:
            return self.net(xb)

        def training_step(self, batch, _):  # type: ignore[no-untyped-def]
            return nn.functional.cross_entropy(self(batch[0]), batch[1])

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return torch.optim.Adam(self.parameters(), lr=3e-3)

    n_capt = len(log_spaced_epochs(args.epochs, args.n_points))
    root = Path(tempfile.mkdtemp(prefix="bench-integrations-"))

    def fit(name: str, callback: bool, tb: bool = False, figures: bool = False) -> float:
        torch.manual_seed(0)
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x[tr], y[tr]), batch_size=128, shuffle=True
        )
        cbs = []
        if callback:
            cbs.append(
                InformationPlaneCallback(
                    x[ev],
                    y[ev],
                    root / name,
                    layers=["net.1", "net.4", "net.8", "net.9"],
                    estimators=[("kde_upper", {"relative_noise": 2.0})],
                    n_points=args.n_points,
                    tensorboard=(root / f"{name}-tb") if tb else None,
                    tensorboard_figures=figures,
                )
            )
        trainer = pl.Trainer(
            max_epochs=args.epochs, callbacks=cbs, logger=False, enable_progress_bar=False,
            enable_model_summary=False, enable_checkpointing=False, accelerator="cpu",
        )  # fmt: skip
        t0 = time.perf_counter()
        trainer.fit(Lit(), loader)
        return time.perf_counter() - t0

    fit("warmup", False)  # imports, first-call costs
    rows = [
        ("fit alone (baseline)", fit("base", False)),
        ("+ callback (online kde_upper, 4 layers)", fit("cb", True)),
        ("+ TensorBoard scalars", fit("tb", True, tb=True)),
        ("+ TensorBoard plane figure", fit("fig", True, tb=True, figures=True)),
    ]
    base = rows[0][1]
    print(f"{args.epochs} epochs, {n_capt} captured epochs, 500 evaluation inputs ({root})")
    print(f"{'configuration':42s} {'wall s':>8s} {'s / captured epoch':>19s} {'x baseline':>11s}")
    for name, secs in rows:
        print(f"{name:42s} {secs:8.2f} {(secs - base) / n_capt:19.3f} {secs / base:11.2f}")


if __name__ == "__main__":
    main()
