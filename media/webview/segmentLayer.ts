// Run and wait bars written straight into pixels. A path of tens of thousands of one-pixel
// rectangles costs the canvas rasteriser tens of milliseconds; writing the same pixels into an
// ImageData and putting it once costs one or two, however dense the trace.

/** A colour as one little-endian RGBA word, the layout of ImageData's bytes. */
export type PackedColour = number;

export function pack(r: number, g: number, b: number): PackedColour {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export class SegmentLayer {
  private image: ImageData | undefined;
  private pixels = new Uint32Array(0);
  private left = 0;
  private top = 0;

  /** Starts a frame over the device-pixel rectangle (left, top, width, height), cleared to `background`. */
  begin(left: number, top: number, width: number, height: number, background: PackedColour): void {
    width = Math.max(1, Math.floor(width));
    height = Math.max(1, Math.floor(height));
    if (!this.image || this.image.width !== width || this.image.height !== height) {
      this.image = new ImageData(width, height);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    this.left = left;
    this.top = top;
    this.pixels.fill(background);
  }

  /**
   * Paints canvas device rows [y0, y1): the first row gets each layer's spans (flat [x0, x1, …]
   * in device pixels) in order, and the other rows are copies of it.
   */
  band(y0: number, y1: number, ...layers: [spans: readonly number[], colour: PackedColour][]): void {
    const image = this.image!;
    const width = image.width;
    const top = Math.max(0, Math.round(y0) - this.top);
    const bottom = Math.min(image.height, Math.round(y1) - this.top);
    if (top >= bottom) return;
    const px = this.pixels;
    const row = top * width;
    for (const [spans, colour] of layers) {
      for (let i = 0; i < spans.length; i += 2) {
        const from = row + Math.max(0, Math.round(spans[i]) - this.left);
        const to = row + Math.min(width, Math.round(spans[i + 1]) - this.left);
        for (let x = from; x < to; x++) px[x] = colour;
      }
    }
    for (let r = top + 1; r < bottom; r++) px.copyWithin(r * width, row, row + width);
  }

  /** Puts the frame on the canvas (ignores the transform, as putImageData does). */
  end(ctx: CanvasRenderingContext2D): void {
    ctx.putImageData(this.image!, this.left, this.top);
  }
}
