"""Static image datasets stored as class folders (ImageNet's ``train/<class>/<image>.JPEG``)."""

from __future__ import annotations

from pathlib import Path

from torchvision import datasets, transforms

from snn2hw.errors import BadInputError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def image_transform(size: int | tuple[int, int] = 224, train: bool = False
                    ) -> transforms.Compose:
    """The usual ImageNet preprocessing: random-resized crop and flip for training, resize (the
    shorter side to the larger of ``size`` / 0.875: 256 for 224) and centre crop to ``size``
    (a side or ``(H, W)``) for evaluation, then normalisation."""
    if train:
        steps = [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()]
    else:
        side = max(size) if isinstance(size, tuple) else size
        steps = [transforms.Resize(int(round(side / 0.875))), transforms.CenterCrop(size)]
    return transforms.Compose(
        [*steps, transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    )


def image_folder(root: str | Path, size: int | tuple[int, int] = 224,
                 train: bool = False) -> datasets.ImageFolder:
    """Images under ``root/<class>/``; samples are ``(tensor [3, size, size], class index)``
    with classes numbered in sorted folder order (torchvision's ImageFolder)."""
    root = Path(root)
    if not root.is_dir():
        raise BadInputError(f"{root}: no such folder")
    try:
        return datasets.ImageFolder(str(root), transform=image_transform(size, train))
    except (FileNotFoundError, RuntimeError) as exc:
        raise BadInputError(f"{root}: not an image folder ({exc})") from exc
