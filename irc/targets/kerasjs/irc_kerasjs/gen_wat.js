// Emits irc's Keras.js matrix kernels as WebAssembly text.
//
//   node gen_wat.js simd|relaxed  > gemm.wat
//
// Exports (pointers are byte addresses into the exported memory, strides count floats):
//   gemm(a, lda, bp, c, ldc, mt, np, k, alpha)
//     C[0:4*mt, 0:8*np] += alpha * A[0:4*mt, 0:k] * B[0:k, 0:8*np]
//     A row-major with row stride lda; B packed as np panels of k rows x 8 floats
//     (panel j at bp + 32*k*j); C row-major with row stride ldc.
//     Register tile 4x8 (eight f32x4 accumulators), k blocked by KC, rows by MC.
//   gemv(x, w, y, k, nb)
//     y[0:16*nb] += x[0:k] * W[0:k, 0:16*nb]; W row-major with row stride 16*nb.
//   col2im(g, ldc, out, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW)
//     Conv2DTranspose's scatter of the product's patches onto its output (see emitCol2im).
//   biasact(x, P, F, bias, relu)
//     x[p, :] = act(x[p, :] + bias) over a P x F row-major block (see emitBiasAct).
//   depthwise(x, w, out, H, W, N, outH, outW, kh, kw, s0, s1, padT, padL)
//     out[p, :] += the depthwise convolution's taps of x (see emitDepthwise).
// 'relaxed' fuses each multiply-add with f32x4.relaxed_madd.
'use strict';

const KC = 256;   // k block: a B panel slice is KC*32 bytes (8 KB), stays in L1
const MC = 64;    // row block: an A block is MC*KC*4 bytes (64 KB), stays in L2

function madd(relaxed, acc, a, b) {
  return relaxed
    ? `(local.set ${acc} (f32x4.relaxed_madd (local.get ${a}) (local.get ${b}) (local.get ${acc})))`
    : `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.mul (local.get ${a}) (local.get ${b}))))`;
}

function emit(relaxed) {
  const L = [];
  const accs = [];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) accs.push(`$c${r}${h}`);
  // One k step of the 4x8 tile: two B vectors, four broadcast A values.
  const step = [
    '(local.set $b0 (v128.load (local.get $pb)))',
    '(local.set $b1 (v128.load offset=16 (local.get $pb)))',
  ];
  for (let r = 0; r < 4; r++) {
    step.push(`(local.set $av (v128.load32_splat (i32.add (local.get $pa${r}) (local.get $kk))))`);
    step.push(madd(relaxed, `$c${r}0`, '$av', '$b0'));
    step.push(madd(relaxed, `$c${r}1`, '$av', '$b1'));
  }
  step.push('(local.set $pb (i32.add (local.get $pb) (i32.const 32)))');
  step.push('(local.set $kk (i32.add (local.get $kk) (i32.const 4)))');

  L.push('(module');
  L.push('  (memory (export "memory") 1)');
  // micro(pa0, lda_bytes, pb, pc, ldc_bytes, kbytes, alpha): C tile += alpha * A tile * B panel slice
  L.push('  (func $micro (param $pa0 i32) (param $ldab i32) (param $pb i32) (param $pc i32) (param $ldcb i32) (param $kend i32) (param $alpha f32)');
  L.push(`    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $kk i32) (local $pc2 i32) (local $al v128)`);
  L.push(`    (local $b0 v128) (local $b1 v128) (local $av v128) ${accs.map((a) => `(local ${a} v128)`).join(' ')}`);
  L.push('    (local.set $pa1 (i32.add (local.get $pa0) (local.get $ldab)))');
  L.push('    (local.set $pa2 (i32.add (local.get $pa1) (local.get $ldab)))');
  L.push('    (local.set $pa3 (i32.add (local.get $pa2) (local.get $ldab)))');
  L.push('    (local.set $kk (i32.const 0))');
  // k loop, unrolled by two while two steps remain
  L.push('    (block $done2 (loop $k2');
  L.push('      (br_if $done2 (i32.gt_s (i32.add (local.get $kk) (i32.const 8)) (local.get $kend)))');
  for (const s of step) L.push(`      ${s}`);
  for (const s of step) L.push(`      ${s}`);
  L.push('      (br $k2)))');
  L.push('    (block $done1 (loop $k1');
  L.push('      (br_if $done1 (i32.ge_s (local.get $kk) (local.get $kend)))');
  for (const s of step) L.push(`      ${s}`);
  L.push('      (br $k1)))');
  L.push('    (local.set $al (f32x4.splat (local.get $alpha)))');
  for (let r = 0; r < 4; r++) {
    L.push(`    (local.set $pc2 (i32.add (local.get $pc) (i32.mul (local.get $ldcb) (i32.const ${r}))))`);
    for (let h = 0; h < 2; h++) {
      const off = h ? ' offset=16' : '';
      L.push(`    (v128.store${off} (local.get $pc2) (f32x4.add (v128.load${off} (local.get $pc2)) (f32x4.mul (local.get $al) (local.get $c${r}${h}))))`);
    }
  }
  L.push('  )');

  // gemm: blocks of KC over k, MC over rows, then every panel, then every 4-row tile.
  L.push('  (func (export "gemm") (param $a i32) (param $lda i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $mt i32) (param $np i32) (param $k i32) (param $alpha f32)');
  L.push('    (local $k0 i32) (local $kc i32) (local $t0 i32) (local $tc i32) (local $j i32) (local $t i32) (local $ldab i32) (local $ldcb i32) (local $pbase i32)');
  L.push('    (local.set $ldab (i32.shl (local.get $lda) (i32.const 2)))');
  L.push('    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))');
  L.push('    (local.set $k0 (i32.const 0))');
  L.push('    (block $kdone (loop $kloop');
  L.push('      (br_if $kdone (i32.ge_s (local.get $k0) (local.get $k)))');
  L.push(`      (local.set $kc (i32.sub (local.get $k) (local.get $k0)))`);
  L.push(`      (if (i32.gt_s (local.get $kc) (i32.const ${KC})) (then (local.set $kc (i32.const ${KC}))))`);
  L.push('      (local.set $t0 (i32.const 0))');
  L.push('      (block $mdone (loop $mloop');
  L.push('        (br_if $mdone (i32.ge_s (local.get $t0) (local.get $mt)))');
  L.push(`        (local.set $tc (i32.sub (local.get $mt) (local.get $t0)))`);
  L.push(`        (if (i32.gt_s (local.get $tc) (i32.const ${MC / 4})) (then (local.set $tc (i32.const ${MC / 4}))))`);
  L.push('        (local.set $j (i32.const 0))');
  L.push('        (block $jdone (loop $jloop');
  L.push('          (br_if $jdone (i32.ge_s (local.get $j) (local.get $np)))');
  // this panel's slice starting at row k0: bp + 32*(k*j + k0)
  L.push('          (local.set $pbase (i32.add (local.get $bp) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $j)) (local.get $k0)) (i32.const 5))))');
  L.push('          (local.set $t (local.get $t0))');
  L.push('          (block $tdone (loop $tloop');
  L.push('            (br_if $tdone (i32.ge_s (local.get $t) (i32.add (local.get $t0) (local.get $tc))))');
  L.push('            (call $micro');
  L.push('              (i32.add (local.get $a) (i32.add (i32.mul (i32.shl (local.get $t) (i32.const 2)) (local.get $ldab)) (i32.shl (local.get $k0) (i32.const 2))))');
  L.push('              (local.get $ldab) (local.get $pbase)');
  L.push('              (i32.add (local.get $c) (i32.add (i32.mul (i32.shl (local.get $t) (i32.const 2)) (local.get $ldcb)) (i32.shl (local.get $j) (i32.const 5))))');
  L.push('              (local.get $ldcb) (i32.shl (local.get $kc) (i32.const 2)) (local.get $alpha))');
  L.push('            (local.set $t (i32.add (local.get $t) (i32.const 1)))');
  L.push('            (br $tloop)))');
  L.push('          (local.set $j (i32.add (local.get $j) (i32.const 1)))');
  L.push('          (br $jloop)))');
  L.push('        (local.set $t0 (i32.add (local.get $t0) (local.get $tc)))');
  L.push('        (br $mloop)))');
  L.push('      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))');
  L.push('      (br $kloop)))');
  L.push('  )');

  // gemv: 16 columns (four accumulators) at a time over all k rows.
  L.push('  (func (export "gemv") (param $x i32) (param $w i32) (param $y i32) (param $k i32) (param $nb i32)');
  L.push('    (local $ldwb i32) (local $jb i32) (local $pw i32) (local $px i32) (local $xend i32) (local $py i32) (local $xv v128)');
  L.push('    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)');
  L.push('    (local.set $ldwb (i32.shl (local.get $nb) (i32.const 6)))');
  L.push('    (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))');
  L.push('    (local.set $jb (i32.const 0))');
  L.push('    (block $jdone (loop $jloop');
  L.push('      (br_if $jdone (i32.ge_s (local.get $jb) (local.get $nb)))');
  L.push('      (local.set $py (i32.add (local.get $y) (i32.shl (local.get $jb) (i32.const 6))))');
  L.push('      (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $jb) (i32.const 6))))');
  for (let q = 0; q < 4; q++) L.push(`      (local.set $y${q} (v128.load offset=${16 * q} (local.get $py)))`);
  L.push('      (local.set $px (local.get $x))');
  L.push('      (block $kdone (loop $kloop');
  L.push('        (br_if $kdone (i32.ge_u (local.get $px) (local.get $xend)))');
  L.push('        (local.set $xv (v128.load32_splat (local.get $px)))');
  for (let q = 0; q < 4; q++) {
    L.push(`        (local.set $b${q} (v128.load offset=${16 * q} (local.get $pw)))`);
    L.push(`        ${madd(relaxed, `$y${q}`, '$xv', `$b${q}`)}`);
  }
  L.push('        (local.set $pw (i32.add (local.get $pw) (local.get $ldwb)))');
  L.push('        (local.set $px (i32.add (local.get $px) (i32.const 4)))');
  L.push('        (br $kloop)))');
  for (let q = 0; q < 4; q++) L.push(`      (v128.store offset=${16 * q} (local.get $py) (local.get $y${q}))`);
  L.push('      (local.set $jb (i32.add (local.get $jb) (i32.const 1)))');
  L.push('      (br $jloop)))');
  L.push('  )');
  emitCol2im(L);
  emitBiasAct(L);
  emitDepthwise(L);
  L.push(')');
  // gemv's B registers
  const text = L.join('\n') + '\n';
  return text.replace('(local $y0 v128)', '(local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $y0 v128)');
}

// dst[0:F] += src[0:F] (byte addresses; Fb = 4F, F4b = Fb rounded down to 16)
function addRow(L, ind, dst, src) {
  L.push(`${ind}(local.set $n (i32.const 0))`);
  L.push(`${ind}(block $vdone (loop $vloop`);
  L.push(`${ind}  (br_if $vdone (i32.ge_u (local.get $n) (local.get $F4b)))`);
  L.push(`${ind}  (v128.store (i32.add (local.get ${dst}) (local.get $n)) (f32x4.add (v128.load (i32.add (local.get ${dst}) (local.get $n))) (v128.load (i32.add (local.get ${src}) (local.get $n)))))`);
  L.push(`${ind}  (local.set $n (i32.add (local.get $n) (i32.const 16)))`);
  L.push(`${ind}  (br $vloop)))`);
  L.push(`${ind}(block $sdone (loop $sloop`);
  L.push(`${ind}  (br_if $sdone (i32.ge_u (local.get $n) (local.get $Fb)))`);
  L.push(`${ind}  (f32.store (i32.add (local.get ${dst}) (local.get $n)) (f32.add (f32.load (i32.add (local.get ${dst}) (local.get $n))) (f32.load (i32.add (local.get ${src}) (local.get $n)))))`);
  L.push(`${ind}  (local.set $n (i32.add (local.get $n) (i32.const 4)))`);
  L.push(`${ind}  (br $sloop)))`);
}

// dst[0:F] += src[0:F] * wr[0:F] (byte addresses; Fb = 4F, F4b = Fb rounded down to 16)
function maddRow(L, ind, dst, src, wr) {
  const at = (base) => `(i32.add (local.get ${base}) (local.get $n))`;
  L.push(`${ind}(local.set $n (i32.const 0))`);
  L.push(`${ind}(block $vdone (loop $vloop`);
  L.push(`${ind}  (br_if $vdone (i32.ge_u (local.get $n) (local.get $F4b)))`);
  L.push(`${ind}  (v128.store ${at(dst)} (f32x4.add (v128.load ${at(dst)}) (f32x4.mul (v128.load ${at(src)}) (v128.load ${at(wr)}))))`);
  L.push(`${ind}  (local.set $n (i32.add (local.get $n) (i32.const 16)))`);
  L.push(`${ind}  (br $vloop)))`);
  L.push(`${ind}(block $sdone (loop $sloop`);
  L.push(`${ind}  (br_if $sdone (i32.ge_u (local.get $n) (local.get $Fb)))`);
  L.push(`${ind}  (f32.store ${at(dst)} (f32.add (f32.load ${at(dst)}) (f32.mul (f32.load ${at(src)}) (f32.load ${at(wr)}))))`);
  L.push(`${ind}  (local.set $n (i32.add (local.get $n) (i32.const 4)))`);
  L.push(`${ind}  (br $sloop)))`);
}

// depthwise(x, w, out, H, W, N, outH, outW, kh, kw, s0, s1, padT, padL): SeparableConv2D's
// depthwise step on N channels (a multiplier's copies of a channel already side by side in x):
// out[oy, ox, :] (outH x outW x N) += x[iy, ix, :] * w[r, c, :] for each tap (r, c) whose
// input pixel (iy, ix) = (oy*s0 + r - padT, ox*s1 + c - padL) lies inside x (H x W x N).
function emitDepthwise(L) {
  L.push('  (func (export "depthwise") (param $x i32) (param $w i32) (param $out i32) (param $H i32) (param $W i32) (param $N i32) (param $outH i32) (param $outW i32) (param $kh i32) (param $kw i32) (param $s0 i32) (param $s1 i32) (param $padT i32) (param $padL i32)');
  L.push('    (local $oy i32) (local $ox i32) (local $r i32) (local $c i32) (local $iy i32) (local $ix i32) (local $src i32) (local $dst i32) (local $wr i32) (local $n i32) (local $Fb i32) (local $F4b i32)');
  L.push('    (local.set $Fb (i32.shl (local.get $N) (i32.const 2)))');
  L.push('    (local.set $F4b (i32.and (local.get $Fb) (i32.const -16)))');
  L.push('    (local.set $dst (local.get $out))');
  L.push('    (local.set $oy (i32.const 0))');
  L.push('    (block $oydone (loop $oyloop');
  L.push('      (br_if $oydone (i32.ge_s (local.get $oy) (local.get $outH)))');
  L.push('      (local.set $ox (i32.const 0))');
  L.push('      (block $oxdone (loop $oxloop');
  L.push('        (br_if $oxdone (i32.ge_s (local.get $ox) (local.get $outW)))');
  L.push('        (local.set $wr (local.get $w))');
  L.push('        (local.set $r (i32.const 0))');
  L.push('        (block $rdone (loop $rloop');
  L.push('          (br_if $rdone (i32.ge_s (local.get $r) (local.get $kh)))');
  L.push('          (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s0)) (local.get $r)) (local.get $padT)))');
  L.push('          (local.set $c (i32.const 0))');
  L.push('          (block $cdone (loop $cloop');
  L.push('            (br_if $cdone (i32.ge_s (local.get $c) (local.get $kw)))');
  L.push('            (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $s1)) (local.get $c)) (local.get $padL)))');
  L.push('            (if (i32.and (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $H)))');
  L.push('                         (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $W)))) (then');
  L.push('              (local.set $src (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $W)) (local.get $ix)) (local.get $Fb))))');
  maddRow(L, '              ', '$dst', '$src', '$wr');
  L.push('            ))');
  L.push('            (local.set $wr (i32.add (local.get $wr) (local.get $Fb)))');
  L.push('            (local.set $c (i32.add (local.get $c) (i32.const 1)))');
  L.push('            (br $cloop)))');
  L.push('          (local.set $r (i32.add (local.get $r) (i32.const 1)))');
  L.push('          (br $rloop)))');
  L.push('        (local.set $dst (i32.add (local.get $dst) (local.get $Fb)))');
  L.push('        (local.set $ox (i32.add (local.get $ox) (i32.const 1)))');
  L.push('        (br $oxloop)))');
  L.push('      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))');
  L.push('      (br $oyloop)))');
  L.push('  )');
}

// col2im(g, ldc, out, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW): Conv2DTranspose's
// scatter. Row i*W+j of g (row stride ldc floats) holds input pixel (i, j)'s kh x kw x F
// patch; each (r, c) slice is added onto out (outH x outW x F, row-major) at
// (i*s0 + r - padT, j*s1 + c - padL) unless that falls outside (the 'same' crop).
function emitCol2im(L) {
  L.push('  (func (export "col2im") (param $g i32) (param $ldc i32) (param $out i32) (param $H i32) (param $W i32) (param $kh i32) (param $kw i32) (param $F i32) (param $s0 i32) (param $s1 i32) (param $padT i32) (param $padL i32) (param $outH i32) (param $outW i32)');
  L.push('    (local $i i32) (local $j i32) (local $r i32) (local $c i32) (local $oy i32) (local $ox i32) (local $pix i32) (local $src i32) (local $dst i32) (local $n i32) (local $Fb i32) (local $F4b i32)');
  L.push('    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))');
  L.push('    (local.set $F4b (i32.and (local.get $Fb) (i32.const -16)))');
  L.push('    (local.set $i (i32.const 0))');
  L.push('    (block $idone (loop $iloop');
  L.push('      (br_if $idone (i32.ge_s (local.get $i) (local.get $H)))');
  L.push('      (local.set $j (i32.const 0))');
  L.push('      (block $jdone (loop $jloop');
  L.push('        (br_if $jdone (i32.ge_s (local.get $j) (local.get $W)))');
  L.push('        (local.set $pix (i32.add (local.get $g) (i32.shl (i32.mul (i32.add (i32.mul (local.get $i) (local.get $W)) (local.get $j)) (local.get $ldc)) (i32.const 2))))');
  L.push('        (local.set $r (i32.const 0))');
  L.push('        (block $rdone (loop $rloop');
  L.push('          (br_if $rdone (i32.ge_s (local.get $r) (local.get $kh)))');
  L.push('          (local.set $oy (i32.sub (i32.add (i32.mul (local.get $i) (local.get $s0)) (local.get $r)) (local.get $padT)))');
  L.push('          (if (i32.and (i32.ge_s (local.get $oy) (i32.const 0)) (i32.lt_s (local.get $oy) (local.get $outH))) (then');
  L.push('            (local.set $c (i32.const 0))');
  L.push('            (block $cdone (loop $cloop');
  L.push('              (br_if $cdone (i32.ge_s (local.get $c) (local.get $kw)))');
  L.push('              (local.set $ox (i32.sub (i32.add (i32.mul (local.get $j) (local.get $s1)) (local.get $c)) (local.get $padL)))');
  L.push('              (if (i32.and (i32.ge_s (local.get $ox) (i32.const 0)) (i32.lt_s (local.get $ox) (local.get $outW))) (then');
  L.push('                (local.set $src (i32.add (local.get $pix) (i32.mul (i32.add (i32.mul (local.get $r) (local.get $kw)) (local.get $c)) (local.get $Fb))))');
  L.push('                (local.set $dst (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $outW)) (local.get $ox)) (local.get $Fb))))');
  addRow(L, '                ', '$dst', '$src');
  L.push('              ))');
  L.push('              (local.set $c (i32.add (local.get $c) (i32.const 1)))');
  L.push('              (br $cloop)))');
  L.push('          ))');
  L.push('          (local.set $r (i32.add (local.get $r) (i32.const 1)))');
  L.push('          (br $rloop)))');
  L.push('        (local.set $j (i32.add (local.get $j) (i32.const 1)))');
  L.push('        (br $jloop)))');
  L.push('      (local.set $i (i32.add (local.get $i) (i32.const 1)))');
  L.push('      (br $iloop)))');
  L.push('  )');
}

// biasact(x, P, F, bias, relu): x[p, 0:F] = act(x[p, 0:F] + bias[0:F]) for p < P (x row-major
// P x F); bias 0: no bias; relu 1: max(v, 0), else the identity.
function emitBiasAct(L) {
  L.push('  (func (export "biasact") (param $x i32) (param $P i32) (param $F i32) (param $bias i32) (param $relu i32)');
  L.push('    (local $end i32) (local $n i32) (local $Fb i32) (local $F4b i32) (local $v v128) (local $s f32) (local $zero v128)');
  L.push('    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))');
  L.push('    (local.set $F4b (i32.and (local.get $Fb) (i32.const -16)))');
  L.push('    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $P) (local.get $Fb))))');
  L.push('    (local.set $zero (v128.const i32x4 0 0 0 0))');
  L.push('    (block $pdone (loop $ploop');
  L.push('      (br_if $pdone (i32.ge_u (local.get $x) (local.get $end)))');
  L.push('      (local.set $n (i32.const 0))');
  L.push('      (block $vdone (loop $vloop');
  L.push('        (br_if $vdone (i32.ge_u (local.get $n) (local.get $F4b)))');
  L.push('        (local.set $v (v128.load (i32.add (local.get $x) (local.get $n))))');
  L.push('        (if (local.get $bias) (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $bias) (local.get $n)))))))');
  L.push('        (if (local.get $relu) (then (local.set $v (f32x4.max (local.get $v) (local.get $zero)))))');
  L.push('        (v128.store (i32.add (local.get $x) (local.get $n)) (local.get $v))');
  L.push('        (local.set $n (i32.add (local.get $n) (i32.const 16)))');
  L.push('        (br $vloop)))');
  L.push('      (block $sdone (loop $sloop');
  L.push('        (br_if $sdone (i32.ge_u (local.get $n) (local.get $Fb)))');
  L.push('        (local.set $s (f32.load (i32.add (local.get $x) (local.get $n))))');
  L.push('        (if (local.get $bias) (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $bias) (local.get $n)))))))');
  L.push('        (if (local.get $relu) (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))');
  L.push('        (f32.store (i32.add (local.get $x) (local.get $n)) (local.get $s))');
  L.push('        (local.set $n (i32.add (local.get $n) (i32.const 4)))');
  L.push('        (br $sloop)))');
  L.push('      (local.set $x (i32.add (local.get $x) (local.get $Fb)))');
  L.push('      (br $ploop)))');
  L.push('  )');
}

module.exports = { emit, KC, MC };

if (require.main === module) {
  const kind = process.argv[2] || 'simd';
  if (kind !== 'simd' && kind !== 'relaxed') throw new Error('usage: node gen_wat.js simd|relaxed');
  process.stdout.write(emit(kind === 'relaxed'));
}
