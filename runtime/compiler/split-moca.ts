// The axis MoCA's multi-core software splits a layer along when several Gemmini tiles run it
// (docs/compiler.md, docs/emulator.md "Several tiles"). Sources: the MoCA-era `gemmini.h`
// (ucb-bar/gemmini-rocc-tests, the version with `gemmini_config_calm`):
// - convs, `tiled_conv_A_stride_auto_stride`: by pooled output rows when
//   `pool_out_dim % orow_divide == 0 || (in_channels == 3 && padding == 0)`, and always when
//   `padding == 0`; otherwise by output channels (`och_divide`). A row split gives every
//   core ⌈rows/n⌉ rows (`tiled_conv_A_stride_cid`: `pool_out_row`, the last core the rest)
//   and every core reads the whole weight tensor; a channel split gives each core
//   out_channels/n channels and every core reads the whole input.
// - matmuls, `tiling_factor_matmul_calculate_auto`: by rows (I) when I % n == 0, unless
//   I ≤ DIM and J ≥ 1024 (an FC layer: by columns); when I is not divisible, still by rows
//   (unevenly) if J < 2·n·DIM or I > n·DIM/2; otherwise by columns (J / n each).
// - residual adds (`tiled_resadd_bubble_calculate`: I = ⌈I/num_array⌉), pools
//   (`tiled_opcode_pool_auto_multi`, orow_divide) and the vector ops: by rows.
import type { SplitAxis } from './ops.ts';
import type { LoopOp } from './types.ts';

export function mocaSplitAxis(op: LoopOp, tiles: number, dim: number): SplitAxis {
  if (tiles <= 1) return 'rows';
  switch (op.kind) {
    case 'conv': {
      const rows = op.pool ? op.pool.h : op.outH;
      if (op.p === 0 || rows % tiles === 0) return 'rows';
      return 'cols';
    }
    case 'matmul': {
      const noRowDivide = op.I <= dim && op.I % tiles === 0 && op.J >= 1024;
      if (op.I % tiles === 0 && !noRowDivide) return 'rows';
      if (op.J < dim * tiles * 2 || op.I > (dim / 2) * tiles) return 'rows';
      return 'cols';
    }
    case 'pool':
      return op.global ? 'cols' : 'rows';
    case 'resadd':
    case 'vec':
      return 'rows';
  }
}
