/** The terminal's size, updated on resize (ink redraws when the state changes). */
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface Size {
  cols: number;
  rows: number;
}

export function useTerminalSize(fallback: Size = { cols: 80, rows: 24 }): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ cols: stdout.columns || fallback.cols, rows: stdout.rows || fallback.rows });
  const [size, setSize] = useState<Size>(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
