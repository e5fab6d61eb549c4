"""The classical peer of the OCR evaluation (`ocr_degraded`): PyPI `deskew` (Hough transform
of the edges) finds the skew, OpenCV rotates the page by it (bicubic, white border) and
binarizes it with Otsu's global threshold, the recipe most OCR tutorials give.

Usage: python ocr_peer.py IN.png OUT.png [IN.png OUT.png ...]  (one process for every page,
so that numpy and OpenCV load once). Prints the angle found for each page.
"""
import sys

import cv2
from deskew import determine_skew


def peer(src, dst):
    img = cv2.imread(src, cv2.IMREAD_GRAYSCALE)
    angle = determine_skew(img)
    if angle is None:
        angle = 0.0
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turned = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    _, bits = cv2.threshold(turned, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    cv2.imwrite(dst, bits)
    print(f"{src}\t{angle:.3f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    for i in range(0, len(args) - 1, 2):
        peer(args[i], args[i + 1])
