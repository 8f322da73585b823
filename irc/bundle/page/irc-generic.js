// The generic page, for any model that is not an image generator: inputs from random
// values or, for one H x W x C image input (C = 1 or 3), an uploaded image resized to
// H x W with pixels scaled to [0, 1]; each output's statistics and values, and the top 5
// of a vector output (a classifier's scores).
//
// window.irc additions, for tests:
//   await irc.show(feeds)     runs feeds (as irc.run takes them; or an array of them, a batch,
//                             as irc.runBatch takes it) and shows the outputs
//   irc.stats.shown           counts the results shown so far
"use strict";

(function () {
  const irc = window.irc;
  const TOP = 5;
  const FIRST_VALUES = 10;

  function imageInput(manifest) {
    if (manifest.inputs.length !== 1 || manifest.inputs[0].shape.length !== 4) return null;
    const c = manifest.inputs[0].shape[3];
    return c === 1 || c === 3 ? manifest.inputs[0] : null;
  }

  const randomFeeds = (manifest) => Object.fromEntries(manifest.inputs.map((entry) => [
    entry.name, Float32Array.from({ length: irc.size(irc.sampleShape(entry)) }, Math.random)]));
  // As many random samples as the source model's batch (irc.show runs them one by one).
  const randomBatch = (manifest) => {
    const samples = Array.from({ length: irc.batch() }, () => randomFeeds(manifest));
    return samples.length > 1 ? samples : samples[0];
  };

  // The source layout's element order (manifest perm: runtime = source.transpose(perm), so
  // source axis a is runtime axis perm.indexOf(a)).
  function inSourceOrder(data, entry) {
    const { shape, source_shape: sourceShape, perm } = entry;
    if (perm.length !== sourceShape.length) return data;
    const runtimeStrides = shape.map((_, i) => irc.size(shape.slice(i + 1)));
    const strides = sourceShape.map((_, axis) => runtimeStrides[perm.indexOf(axis)]);
    const out = new Float32Array(data.length);
    for (let i = 0; i < out.length; i++) {
      let rest = i, offset = 0;
      for (let axis = sourceShape.length - 1; axis >= 0; axis--) {
        offset += (rest % sourceShape[axis]) * strides[axis];
        rest = Math.floor(rest / sourceShape[axis]);
      }
      out[i] = data[offset];
    }
    return out;
  }

  function table(head, rows) {
    const element = document.createElement("table");
    element.className = "values";
    element.insertRow().append(...head.map((text) => Object.assign(document.createElement("th"), { textContent: text })));
    for (const cells of rows) {
      const row = element.insertRow();
      cells.forEach((text) => { row.insertCell().textContent = text; });
    }
    return element;
  }

  const format = (v) => v.toPrecision(6);

  // data: `samples` samples of the output, one after the other (irc.runBatch).
  function showOutput(entry, data, samples) {
    const section = document.createElement("section");
    section.className = "output";
    section.dataset.output = entry.name;
    const heading = document.createElement("h2");
    heading.textContent = `${entry.source_name} [${[samples, ...entry.source_shape.slice(1)].join(", ")}]`;
    const size = data.length / samples;
    const perSample = Array.from({ length: samples }, (_, i) => inSourceOrder(data.subarray(i * size, (i + 1) * size), entry));
    const values = Float32Array.from(perSample.flatMap((sample) => [...sample]));
    const stats = values.reduce((s, v) => [Math.min(s[0], v), Math.max(s[1], v), s[2] + v], [Infinity, -Infinity, 0]);
    section.append(heading, table(["min", "max", "mean"],
      [[format(stats[0]), format(stats[1]), format(stats[2] / values.length)]]));
    if (entry.source_shape.filter((d) => d > 1).length === 1) {      // a vector: rank it, per sample
      perSample.forEach((sample, s) => {
        const ranked = [...sample.keys()].sort((a, b) => sample[b] - sample[a]).slice(0, TOP);
        const top = table(["rank", "index", "value"], ranked.map((i, r) => [r + 1, i, format(sample[i])]));
        top.classList.add("top");
        if (samples > 1) top.caption = Object.assign(document.createElement("caption"), { textContent: `sample ${s}` });
        section.append(top);
      });
    }
    const first = [...values.slice(0, FIRST_VALUES)].map(format).join(", ");
    section.append(Object.assign(document.createElement("p"),
      { textContent: `values (source order): ${first}${values.length > FIRST_VALUES ? ", …" : ""}` }));
    return section;
  }

  irc.show = async (feeds) => {
    const samples = Array.isArray(feeds) ? feeds.length : 1;
    const { outputs, ms } = await (Array.isArray(feeds) ? irc.runBatch(feeds) : irc.run(feeds));
    irc.showInference(ms);
    irc.$("outputs").replaceChildren(...irc.manifest.outputs.map((entry) => showOutput(entry, outputs[entry.name], samples)));
    irc.stats.shown = (irc.stats.shown || 0) + 1;
    return outputs;
  };

  // Draw the image at the input's H x W (the browser resamples) and read the pixels back.
  async function imageFeeds(file, entry) {
    const [h, w, c] = irc.sampleShape(entry);
    const canvas = document.createElement("canvas");
    canvas.className = "image";
    Object.assign(canvas, { width: w, height: h });
    const context = canvas.getContext("2d");
    context.drawImage(await createImageBitmap(file), 0, 0, w, h);
    irc.$("input-preview").replaceChildren(canvas);
    const rgba = context.getImageData(0, 0, w, h).data;
    const data = new Float32Array(h * w * c);
    for (let p = 0; p < h * w; p++) {
      if (c === 3) for (let k = 0; k < 3; k++) data[3 * p + k] = rgba[4 * p + k] / 255;
      else data[p] = (rgba[4 * p] + rgba[4 * p + 1] + rgba[4 * p + 2]) / (3 * 255);
    }
    return { [entry.name]: data };
  }

  async function start(manifest) {
    irc.$("generic").hidden = false;
    const random = irc.$("random-input");
    random.addEventListener("click", () => irc.show(randomBatch(manifest)));
    random.disabled = false;
    const image = imageInput(manifest);
    if (image) {
      irc.$("upload-label").hidden = false;
      irc.$("upload").addEventListener("change", async (event) => {
        if (event.target.files.length) await irc.show(await imageFeeds(event.target.files[0], image));
      });
    }
    await irc.show(randomBatch(manifest));
  }

  irc.pages.push({ kind: "generic", matches: () => true, start });
})();
